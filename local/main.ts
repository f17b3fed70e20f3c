import { ConfigurationError } from '../shared/config/env.js';
import { demoUsers } from './demo-directory/seed.js';
import { startLocalBlink } from './runtime.js';

/** `npm start`: Blink on this machine until Ctrl-C. */
async function main(): Promise<void> {
  const blink = await startLocalBlink();
  const lines = [
    '',
    'Blink is running locally.',
    `  API            ${blink.url}   (try ${blink.url}/health)`,
    `  Console        ${blink.consoleUrl}`,
    `  Public links   ${blink.publicBaseUrl}`,
    `  DynamoDB       ${blink.services.dynamodb}   (dynalite, in memory)`,
    `  SQS            ${blink.services.sqs}   (fauxqs)  queue ${blink.queue.queueUrl}`,
    `  SES v2         ${blink.services.ses}   (aws-ses-v2-local; web viewer at that URL)`,
    `  SMS            ${blink.services.sms}   (End User Messaging SendTextMessage stand-in)`,
    `  Directory      ${blink.services.directory}   (${blink.directory.kind === 'demo' ? 'demo directory' : 'real directory'})`,
  ];
  if (blink.directory.kind === 'demo') {
    lines.push('', `Demo users (base ${blink.directory.server.baseDn}):`);
    for (const user of demoUsers) lines.push(`  ${user.samAccountName.padEnd(14)} ${user.password.padEnd(20)} ${user.role}`);
  }
  lines.push(
    '',
    blink.adminTokenGenerated
      ? `Admin token (generated for this run): LOCAL_ADMIN_TOKEN=${blink.adminToken}\n  npm run admin needs it: LOCAL_ADMIN_TOKEN=… npm run admin -- list`
      : 'Admin routes use the LOCAL_ADMIN_TOKEN from the environment.',
  );
  lines.push(
    '',
    'Try enrollment: activate a demo user, open the setup link from the email in the console, and follow the page:',
    `  LOCAL_ADMIN_TOKEN=${blink.adminTokenGenerated ? blink.adminToken : '…'} npm run admin -- activate --user jane.doe`,
    `  then ${blink.consoleUrl} → Emails → the setup link (${blink.publicBaseUrl}/setup#t=…)`,
  );
  lines.push('', 'Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received, stopping…`);
    blink.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) console.error(error.message);
  else if ((error as { code?: unknown }).code === 'EADDRINUSE') {
    console.error(`Port already in use: ${(error as Error).message}. Set PORT to another port.`);
  } else console.error('Blink failed to start:', error);
  process.exit(1);
});
