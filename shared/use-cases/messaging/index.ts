export { sendUnlessOptedOut } from './send-unless-opted-out.js';
export { notifyOrLog } from './notify.js';
export {
  MAX_QUEUE_DELAY_SECONDS,
  pacedRunSeconds,
  pacedSendTime,
  queueDelayFor,
  requeueIfEarly,
  reserveSendTime,
} from './pacing.js';
export { pushToDevices, type DevicePush, type DevicePushDependencies } from './push-to-devices.js';
