// The numeric record layout the recorder (runtime.ts) appends to its Float64Array chunks and the writer thread
// (writer.ts) turns into trace records. Times are performance.now() milliseconds; -1 stands for null.

export const enum Op {
  /** t, task, parent, site */
  Task = 1,
  /** t0, t1, task, awaited, site */
  Step = 2,
  /** t, task, state (0 ok, 1 error), text index (-3: the value is the number that follows), site, number */
  End = 3,
  /** t, fut, kind (FUT_KINDS index), owner, site, children: -1 none, ≥ 0 the index of their list in the texts,
   * ≤ -2 their number n (-2 - children), their ids following (the record is 7 + n values long) */
  Fut = 4,
  /** t, fut, via (VIAS index), by, state (0 result, 1 exception), text index */
  Set = 5,
  /** t0, t1, name index */
  Cb = 6,
  /** t, kind (WARN_KINDS index), task, text index */
  Warn = 7,
  /** t, how (EXIT_HOWS index), detail index */
  Exit = 8,
}

export const FUT_KINDS = ['future', 'sleep', 'gather', 'wait', 'io', 'queue', 'timeout'] as const;
export const enum Kind {
  Future = 0,
  Sleep = 1,
  Gather = 2,
  Wait = 3,
  Io = 4,
  Queue = 5,
  Timeout = 6,
}

export const VIAS = ['task', 'timer', 'io', 'callback'] as const;
export const enum Via {
  Task = 0,
  Timer = 1,
  Io = 2,
  Callback = 3,
}

export const WARN_KINDS = ['unretrieved-exception'] as const;
export const EXIT_HOWS = ['exit', 'exception', 'signal'] as const;

/** The program's thread fills chunks in segments of SEGMENT values of shared memory, reused: a segment goes to the
 * writer and comes back when it is written (allocating a chunk each time cost more, in page faults and garbage
 * collections, than the records themselves). A new segment is made when all are with the writer, up to SEGMENTS. */
export const SEGMENTS = 64;
export const SEGMENT = 1 << 15;

/** One chunk posted from the program's thread to the writer. */
export interface Chunk {
  /** Numeric records, `n` values used. */
  buf: Float64Array;
  n: number;
  /** The segment `buf` is (the writer frees it), or -1: a buffer of its own (all segments were busy). */
  seg: number;
  /** Texts referred to by index from the records (value previews, error texts, long children lists). */
  strs: (string | number[])[];
  /** Sites registered since the last chunk: [id, file, line, col, func]. */
  sites: [number, string, number, number, string][];
  /** Callback names interned since the last chunk: [index, name]. */
  names: [number, string][];
  /** Source maps of files the recorder compiled itself (TypeScript): [file, map JSON]. */
  maps: [string, string][];
}

/** Shared between the program's thread and the writer: Int32Array slots. */
export const enum Shared {
  /** Incremented by the writer after each chunk it wrote (the program waits on it at exit). */
  Written = 0,
  /** The start of the slice running now, in ms since the recorder started (0: idle). */
  SliceStart = 2,
  /** SEGMENTS slots: 1 while the writer holds that segment. */
  Busy = 4,
  Size = 4 + SEGMENTS,
}
