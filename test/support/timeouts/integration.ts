// jest reads testTimeout only from the root config, not from a project: each slow tier sets its own here.
// Integration tests start servers, a Samba DC connection and real retries; a test that waits longer has a bug.
jest.setTimeout(60_000);
