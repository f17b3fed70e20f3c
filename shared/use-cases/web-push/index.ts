export { createWebPushUseCases, type WebPushDependencies, type WebPushUseCases } from './web-push-use-cases.js';
export {
  createQueuedWebPushDelivery,
  type QueuedWebPushDelivery,
  type QueuedWebPushDeliveryDependencies,
  type QueuedWebPushOutcome,
} from './queued-delivery.js';
