/** Which reactor this test project runs on (vitest sets WEFT_REACTOR per project). */
export const REACTOR: 'uws' | 'node' = process.env.WEFT_REACTOR === 'node' ? 'node' : 'uws';
export const onUws = REACTOR === 'uws';
