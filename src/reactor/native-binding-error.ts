import { WeftError } from '../runtime/weft-error.js';

/** No native uWebSockets.js binding could be loaded; `tried` says what failed and why. */
export class NativeBindingError extends WeftError {
  override readonly name = 'NativeBindingError';
  constructor(
    message: string,
    /** Each package tried, with the reason it did not load. */
    readonly tried: readonly { readonly from: string; readonly reason: string }[] = [],
  ) {
    super(message);
  }
}
