// The Node recorder's value previews (task results, error texts): what they show, and that they never run the
// program's code (getters, proxy traps, toString).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorText, preview } from '../../src/recorders/node/runtime.js';

class Item {
  constructor(readonly key: string) {}
}

test('previews show a value without its contents', () => {
  assert.equal(preview(undefined), 'undefined');
  assert.equal(preview(null), 'null');
  assert.equal(preview(42), '42');
  assert.equal(preview(7n), '7n');
  assert.equal(preview('a "b"'), '"a \\"b\\""');
  assert.equal(preview([1, 2, 3]), 'Array(3)');
  assert.equal(preview({ key: 'x' }), '{…}');
  assert.equal(preview(Object.create(null)), '{…}');
  assert.equal(preview(new Item('x')), 'Item {…}');
  assert.equal(preview(function named() {}), '[Function named]');
  assert.equal(preview('x'.repeat(500)).length, 200);
});

test("previews and error texts run none of the program's code", () => {
  const ran: string[] = [];
  const proxy = new Proxy(
    {},
    {
      getPrototypeOf() {
        ran.push('getPrototypeOf trap');
        return Object.prototype;
      },
      getOwnPropertyDescriptor(target, key) {
        ran.push('getOwnPropertyDescriptor trap');
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    },
  );
  class Named {
    static get name(): string {
      ran.push('static name getter');
      return 'Named';
    }
  }
  const onProxyProto = Object.create(proxy);
  const err = new Error('plain');
  Object.defineProperty(err, 'message', {
    get() {
      ran.push('message getter');
      return 'from a getter';
    },
  });
  const thrown = {
    toString() {
      ran.push('toString');
      return 'thrown';
    },
  };

  assert.equal(preview(proxy), '{…}');
  assert.equal(preview(onProxyProto), '{…}');
  assert.equal(preview(new Named()), '{…}');
  assert.equal(errorText(err), 'Error');
  assert.equal(errorText(thrown), 'Object');
  assert.equal(errorText(new TypeError('bad')), 'TypeError: bad');
  assert.equal(errorText('text'), 'Error: "text"');
  assert.deepEqual(ran, []);
});
