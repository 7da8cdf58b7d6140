import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricPoint } from '../core/metrics.js';

export interface MetricsPort {
  put(points: readonly MetricPoint[]): Promise<void>;
}

/** PutMetricData takes at most 1,000 metrics per call; a sweep of one Region never comes close, but stay correct. */
const MAX_PER_CALL = 1000;

export function cloudWatchAdapter(client: CloudWatchClient, namespace: string): MetricsPort {
  return {
    async put(points) {
      for (let start = 0; start < points.length; start += MAX_PER_CALL) {
        await client.send(
          new PutMetricDataCommand({
            Namespace: namespace,
            MetricData: points.slice(start, start + MAX_PER_CALL).map((point) => ({
              MetricName: point.name,
              Value: point.value,
              Unit: point.unit,
              Timestamp: point.timestamp,
              Dimensions: Object.entries(point.dimensions).map(([Name, Value]) => ({ Name, Value })),
            })),
          }),
        );
      }
    },
  };
}
