/**
 * Protocol version carried in every message as `v`. A receiver refuses a message whose
 * version is newer than its own (it cannot know what the new fields mean); older versions
 * are answered as long as they are understood. Bump with the topic root (`thingsjs/v2`).
 */
export const PROTOCOL_VERSION = 1;

declare const THINGSJS_VERSION: string;

/** The product version stamped in by the bundler (0.0.0 when run unbundled, e.g. by tsc). */
export const PRODUCT_VERSION: string = typeof THINGSJS_VERSION === 'string' ? THINGSJS_VERSION : '0.0.0';
