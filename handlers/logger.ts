import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LogPort } from './ports.js';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

function levelFrom(value: string | undefined): Level {
  const upper = value?.toUpperCase();
  return (LEVELS as readonly string[]).includes(upper ?? '') ? (upper as Level) : 'INFO';
}

/**
 * One JSON object per line on stdout, with constant messages and data in fields, plus the Lambda context of the
 * current invocation. Hand-written on purpose: it is all the responder needs, and Powertools Logger (with its
 * commons) added 22 KB to a bundle whose size and cold start are budgeted against a bare-SDK floor.
 */
export class JsonLogger implements LogPort {
  private readonly threshold: number;
  private context: Record<string, unknown> = {};

  constructor(
    private readonly service: string,
    level: string | undefined = process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {
    this.threshold = LEVELS.indexOf(levelFrom(level));
  }

  /** Adds the fields of the invocation in progress (function, request id, cold start) to every line. */
  setInvocation(context: Context, coldStart: boolean): void {
    this.context = {
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
      cold_start: coldStart,
    };
  }

  info(message: string, fields: Record<string, unknown>): void {
    this.log('INFO', message, fields);
  }

  warn(message: string, fields: Record<string, unknown>): void {
    this.log('WARN', message, fields);
  }

  error(message: string, fields: Record<string, unknown>): void {
    this.log('ERROR', message, fields);
  }

  private log(level: Level, message: string, fields: Record<string, unknown>): void {
    if (LEVELS.indexOf(level) < this.threshold) return;
    const line = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      ...this.context,
      ...fields,
    };
    this.write(JSON.stringify(line));
  }
}

/** middy middleware: the logger learns the invocation's context; the first invocation of a process is the cold start. */
export function logInvocationContext(logger: JsonLogger): MiddlewareObj<unknown, unknown, Error, Context> {
  let coldStart = true;
  return {
    before: (request) => {
      logger.setInvocation(request.context, coldStart);
      coldStart = false;
    },
  };
}
