// What a task is called everywhere (model/task-label.ts): what runs there first, the program's name for the task when
// it gave one, a runtime's automatic name only as a secondary id.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAutomaticName, shortCoro, taskLabelOf, taskTitle } from '../../src/model/task-label.js';

test('automatic names: asyncio\'s Task-N, and "task N" for a task its recorder names none (Node)', () => {
  for (const n of ['Task-1', 'Task-7', 'Task-123456', 'task 3']) assert.equal(isAutomaticName(n), true, n);
  for (const n of ['printer-1', 'Task-', 'Task-7a', 'my Task-7', 'task-3', 'Task 3', 'worker']) assert.equal(isAutomaticName(n), false, n);
});

test('an automatically named task is called by its coroutine, the automatic name kept as its id', () => {
  assert.deepEqual(taskLabelOf({ name: 'Task-7', coro: 'handle_order' }), { text: 'handle_order', autoName: 'Task-7' });
  assert.equal(taskTitle({ name: 'Task-7', coro: 'handle_order' }), 'handle_order (Task-7)');
  assert.deepEqual(taskLabelOf({ name: 'task 3', coro: 'fetchItem' }), { text: 'fetchItem', autoName: 'task 3' });
  assert.deepEqual(taskLabelOf({ name: 'Task-2', coro: '' }), { text: 'Task-2', autoName: null }, 'no coroutine known: the name is all there is');
});

test('a task the program named: its name, then what runs there', () => {
  assert.deepEqual(taskLabelOf({ name: 'printer-1', coro: 'printer' }), { text: 'printer-1 · printer', autoName: null });
  assert.equal(taskTitle({ name: 'printer-1', coro: 'printer' }), 'printer-1 · printer');
  assert.equal(taskTitle({ name: 'main', coro: 'main' }), 'main', 'not twice');
  assert.equal(taskTitle({ name: 'poller', coro: '' }), 'poller');
});

test('a nested coroutine is called by its own name; a method keeps its class', () => {
  assert.equal(shortCoro('main.<locals>.worker'), 'worker');
  assert.equal(shortCoro('a.<locals>.B.<locals>.run'), 'run');
  assert.equal(shortCoro('Client.fetch'), 'Client.fetch');
  assert.equal(taskTitle({ name: 'Task-4', coro: 'serve.<locals>.handle' }), 'handle (Task-4)');
});
