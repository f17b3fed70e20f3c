export {
  createInboundSmsUseCase,
  INBOUND_DEDUPE_SECONDS,
  type InboundSmsDependencies,
  type InboundSmsSettings,
  keywordAliasesFrom,
} from './handle-inbound-sms.js';
export { createInboundSmsFailureUseCase, type GivenUpInboundSms } from './failures.js';
