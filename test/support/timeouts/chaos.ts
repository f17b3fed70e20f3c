// The chaos test waits on 1,000 jobs, a killed and restarted DC and replication; its own deadlines (pollUntil) say
// what it waited for when they run out, this only bounds the whole.
jest.setTimeout(20 * 60_000);
