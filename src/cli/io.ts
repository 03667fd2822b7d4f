/** Where commands write: injected so that main() stays testable and EPIPE-safe. */
export interface Io {
  out(text: string): void;
  /** One line (a newline is added). */
  err(line: string): void;
}
