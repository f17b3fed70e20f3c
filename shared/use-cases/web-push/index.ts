export { createWebPushUseCases, type WebPushDependencies, type WebPushUseCases } from './web-push-use-cases.js';
