import type { RemovalPolicy, StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { BlinkConfig } from '../config.js';

/** What every stack that deploys Blink functions is given: settings, the release, the table and the alarm topic. */
export interface FunctionStackProps extends StackProps {
  config: BlinkConfig;
  version: string;
  removalPolicy: RemovalPolicy;
  table: Table;
  /** The table's secondary indexes the functions query. */
  tableIndexes: string[];
  /** Where alarms go (the admins' topic). */
  alarmTopic: ITopic;
}
