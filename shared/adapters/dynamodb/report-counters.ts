import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  coverageStates,
  dailyCounterNames,
  emptyCoverage,
  dayOf,
  type CoverageCounts,
  type CoverageState,
  type DailyCounterName,
} from '../../domain/reports.js';
import type { CoverageDay, DailyCounts, ReportCounters } from '../../ports/report-counters.js';
import { isConditionFailure, queryAllItems } from './table.js';

/*
 * Item layout (design: docs/design/portal.md, "Reports"):
 *   daily counters   pk REPORT#DAILY      sk <yyyy-mm-dd>     one number attribute per counter (ADD)
 *   coverage totals  pk REPORT#COVERAGE   sk TOTALS           one number per state, and version (ADD)
 *   coverage by day  pk REPORT#COVERAGE   sk DAY#<yyyy-mm-dd> the totals after the day's last change, and version
 *   user's state     pk USER#<guid>       sk COVERAGE         state
 * A year of a report is one Query of at most 365 small items; nothing reads the users themselves.
 */

const DAILY_PK = 'REPORT#DAILY';
const COVERAGE_PK = 'REPORT#COVERAGE';
const TOTALS_KEY = { pk: COVERAGE_PK, sk: 'TOTALS' };
/** A user's state changed by two saves at once: the loser reads again, a few times at most. */
const COVERAGE_ATTEMPTS = 4;

const countSchema = z.number().int().catch(0);
const stateSchema = z.object({ state: z.enum(coverageStates) });
const coverageCountsOf = (item: Record<string, unknown>): CoverageCounts => {
  const counts = emptyCoverage();
  for (const state of coverageStates) counts[state] = Math.max(0, countSchema.parse(item[state] ?? 0));
  return counts;
};

export class DynamoReportCounters implements ReportCounters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  async addDaily(day: string, counters: ReadonlyArray<DailyCounterName>): Promise<void> {
    if (counters.length === 0) return;
    const names = Object.fromEntries(counters.map((counter, index) => [`#c${index}`, counter]));
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: DAILY_PK, sk: day },
        UpdateExpression: `ADD ${Object.keys(names)
          .map((name) => `${name} :one`)
          .join(', ')} SET kind = :kind`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':one': 1, ':kind': 'report-daily' },
      }),
    );
  }

  async trackCoverage(userGuid: string, state: CoverageState, at: Date): Promise<void> {
    const ownKey = { pk: `USER#${userGuid}`, sk: 'COVERAGE' };
    for (let attempt = 1; ; attempt++) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.options.tableName, Key: ownKey, ConsistentRead: true }),
      );
      const previous = Item ? stateSchema.parse(Item).state : undefined;
      if (previous === state) return;
      try {
        // The user's own item claims the move, so two saves of one user cannot both count it.
        await this.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...ownKey, kind: 'coverage-state', userGuid, state },
            ...(previous === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#state = :previous',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: { ':previous': previous },
                }),
          }),
        );
      } catch (error) {
        if (isConditionFailure(error) && attempt < COVERAGE_ATTEMPTS) continue;
        throw error;
      }
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: TOTALS_KEY,
          UpdateExpression: `ADD #new :one, version :one${previous ? ', #old :minus' : ''} SET kind = :kind`,
          ExpressionAttributeNames: { '#new': state, ...(previous ? { '#old': previous } : {}) },
          ExpressionAttributeValues: {
            ':one': 1,
            ...(previous ? { ':minus': -1 } : {}),
            ':kind': 'report-coverage',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      await this.recordDay(dayOf(at), Attributes ?? {});
      return;
    }
  }

  /** The day's item keeps the totals of the newest version seen: a slower writer with older totals loses. */
  private async recordDay(day: string, totals: Record<string, unknown>): Promise<void> {
    const version = countSchema.parse(totals['version'] ?? 0);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: COVERAGE_PK,
            sk: `DAY#${day}`,
            kind: 'report-coverage-day',
            ...coverageCountsOf(totals),
            version,
          },
          ConditionExpression: 'attribute_not_exists(version) OR version < :version',
          ExpressionAttributeValues: { ':version': version },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async readDaily(from: string, to: string): Promise<DailyCounts[]> {
    const items = await queryAllItems(this.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': DAILY_PK, ':from': from, ':to': to },
    });
    return items.map((item) => {
      const counts: DailyCounts = { day: String(item['sk']) };
      for (const name of dailyCounterNames) if (item[name] !== undefined) counts[name] = countSchema.parse(item[name]);
      return counts;
    });
  }

  async readCoverage(from: string, to: string): Promise<{ before?: CoverageDay; days: CoverageDay[] }> {
    const toDay = (item: Record<string, unknown>): CoverageDay => ({
      day: String(item['sk']).slice('DAY#'.length),
      ...coverageCountsOf(item),
    });
    const [days, before] = await Promise.all([
      queryAllItems(this.client, {
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': COVERAGE_PK, ':from': `DAY#${from}`, ':to': `DAY#${to}` },
      }),
      this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :from',
          ExpressionAttributeValues: { ':pk': COVERAGE_PK, ':first': 'DAY#', ':from': `DAY#${from}` },
          ScanIndexForward: false,
          // The newest day before `from` (the first item may be `from` itself).
          Limit: 2,
        }),
      ),
    ]);
    const earlier = (before.Items ?? []).find((item) => String(item['sk']) < `DAY#${from}`);
    return { ...(earlier ? { before: toDay(earlier) } : {}), days: days.map(toDay) };
  }

  async coverageOf(userGuids: ReadonlyArray<string>): Promise<Map<string, CoverageState>> {
    const states = new Map<string, CoverageState>();
    const unique = [...new Set(userGuids)];
    for (let start = 0; start < unique.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(start, start + 100)
        .map((userGuid) => ({ pk: `USER#${userGuid}`, sk: 'COVERAGE' }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt >= 5) throw new Error('coverage states could not be read (unprocessed keys)');
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.options.tableName]: { Keys: keys } } }),
        );
        for (const item of result.Responses?.[this.options.tableName] ?? []) {
          const parsed = stateSchema.safeParse(item);
          if (parsed.success) states.set(String(item['userGuid']), parsed.data.state);
        }
        keys = result.UnprocessedKeys?.[this.options.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return states;
  }
}
