export { sendUnlessOptedOut } from './send-unless-opted-out.js';
export { notifyOrLog } from './notify.js';
