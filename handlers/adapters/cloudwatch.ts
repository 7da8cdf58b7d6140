import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricsPort } from '../ports.js';

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
