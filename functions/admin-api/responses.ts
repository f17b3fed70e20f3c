import type { APIGatewayProxyResult } from 'aws-lambda';
import { deviceSummaryOf } from '../../shared/domain/device.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { errorBody, jsonResponse } from '../../shared/http/responses.js';
import type { WorkerAdminReply } from '../../shared/domain/worker-admin-contract.js';
import type { EnrollmentWithDevices } from '../../shared/use-cases/admin/index.js';

/** The directory worker's answer as the admin API's: its result, or its error with a matching status. */
export function workerReplyResponse(reply: WorkerAdminReply): APIGatewayProxyResult {
  if (reply.ok) return jsonResponse(200, reply.result);
  if (reply.error.code === 'VALIDATION_FAILED')
    throw new ValidationError(reply.error.message, reply.error.issues ?? []);
  const status = reply.error.code === 'DIRECTORY_UNAVAILABLE' ? 503 : 502;
  return jsonResponse(status, errorBody(reply.error.code, reply.error.message));
}

export function enrollmentView({ enrollment, devices }: EnrollmentWithDevices) {
  return {
    userGuid: enrollment.userGuid,
    samAccountName: enrollment.samAccountName,
    displayName: enrollment.displayName,
    mail: enrollment.mail,
    status: enrollment.status,
    methods: enrollment.methods,
    activatedAt: enrollment.activatedAt.toISOString(),
    updatedAt: enrollment.updatedAt.toISOString(),
    devices: devices.map(deviceSummaryOf),
  };
}
