import path from 'node:path';
import { ConfigurationError } from '../shared/config/env.js';
import { DEFAULT_ADMIN_FILE } from './admin-file.js';
import { demoUsers } from './demo-directory/seed.js';
import { startLocalBlink } from './runtime.js';

/** `npm start`: Blink on this machine until Ctrl-C. */
async function main(): Promise<void> {
  const blink = await startLocalBlink({ adminFile: DEFAULT_ADMIN_FILE, identityProvider: 'local' });
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
    for (const user of demoUsers)
      lines.push(`  ${user.samAccountName.padEnd(14)} ${user.password.padEnd(20)} ${user.role}`);
  }
  lines.push(
    '',
    `Admin: npm run admin reads this runtime's URL (${blink.url}) and token from ${path.relative(process.cwd(), DEFAULT_ADMIN_FILE)}`,
    `  (owner-only, removed when Blink stops; LOCAL_ADMIN_TOKEN and PORT in its environment win over it).`,
    blink.adminTokenGenerated
      ? `  Token generated for this run: LOCAL_ADMIN_TOKEN=${blink.adminToken}`
      : '  Token: the LOCAL_ADMIN_TOKEN from the environment.',
    '',
    'Try enrollment: activate a demo user, open the setup link from the email in the console, and follow the page:',
    '  npm run admin -- activate --user jane.doe',
    `  then ${blink.consoleUrl} → Emails → the setup link (${blink.publicBaseUrl}/setup#t=…)`,
  );
  if (blink.identityProvider) {
    lines.push(
      '',
      `Admin portal: ${blink.url}/admin/ (sign in at the local identity provider, ${blink.identityProvider.issuer},`,
      '  with a directory account in Blink Technicians or Blink Admins, e.g. tina.tech or adam.itadmin above).',
    );
  }
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
