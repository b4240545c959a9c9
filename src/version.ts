/** Kept equal to package.json's version by a test; part of result.json, since results are per version. */
export const BROKERSIM_VERSION = "0.1.1";
