export { sendUnlessOptedOut } from './send-unless-opted-out.js';
