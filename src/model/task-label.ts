// What a task is called wherever it is shown (the lanes and their accessible tree, tooltips, the details pane, VS
// Code's side bar, search, the text report, findings): what runs there first — the coroutine or function — and the
// name the program gave the task when it gave one. A runtime's automatic name says nothing about the task, so it is
// kept only as an id, shown secondary: asyncio's "Task-7", and "task 7", the index's name for a task whose recorder
// names none (the Node recorder's tasks are promises and async functions: they have no name of their own).

export interface Nameable {
  name: string;
  /** The coroutine's or function's qualified name; '' when not known. */
  coro: string;
}

export interface TaskLabel {
  /** What runs there: "handle_order", or the program's name for the task and its coroutine: "printer-1 · printer". */
  text: string;
  /** The runtime's automatic name, shown dimmer as the task's id ("Task-7"); null when the program named the task. */
  autoName: string | null;
}

const AUTOMATIC = /^(?:Task-\d+|task \d+)$/;

/** A name the runtime gave the task, not the program. */
export function isAutomaticName(name: string): boolean {
  return AUTOMATIC.test(name);
}

/** `outer.<locals>.worker` → `worker`: the enclosing function's path is noise in a label (qualified names of methods,
 * `Client.fetch`, are kept). */
export function shortCoro(coro: string): string {
  const at = coro.lastIndexOf('<locals>.');
  return at < 0 ? coro : coro.slice(at + '<locals>.'.length);
}

export function taskLabelOf(task: Nameable): TaskLabel {
  const coro = shortCoro(task.coro);
  if (isAutomaticName(task.name)) return coro ? { text: coro, autoName: task.name } : { text: task.name, autoName: null };
  return { text: coro && coro !== task.name ? `${task.name} · ${coro}` : task.name, autoName: null };
}

/** The label as one line of text: "handle_order (Task-7)", "printer-1 · printer". */
export function taskTitle(task: Nameable): string {
  const l = taskLabelOf(task);
  return l.autoName === null ? l.text : `${l.text} (${l.autoName})`;
}
