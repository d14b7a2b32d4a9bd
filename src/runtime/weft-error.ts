/**
 * The base of every error weft throws or rejects with: `err instanceof
 * WeftError` tells weft's errors from others. Each subclass's `name` is its
 * class name, and each hands back what its catcher needs (the value that was
 * not sent, how many values were lost, the port that was taken).
 */
export class WeftError extends Error {
  override readonly name: string = 'WeftError';
}
