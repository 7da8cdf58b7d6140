import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * moto 5.2.1 has no GuardDuty TagResource, UntagResource or ListTagsForResource: its GetDetector only returns the
 * tags given to CreateDetector. This proxy sits in front of the shared moto_server and adds those three operations
 * as AWS documents them (tags on the detector ARN `arn:PARTITION:guardduty:REGION:ACCOUNT:detector/ID`, which must
 * name the caller's account, the Region of the request and an existing detector), overlays the tags on GetDetector
 * responses, and forwards everything else to moto untouched. It also records every GuardDuty request, so tests can
 * assert what was sent — moto's UpdateDetector replaces the whole feature list, so the read-back alone proves little.
 */
export interface RecordedRequest {
  readonly operation: string;
  readonly region: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export interface GuardDutyTagShim {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** Answer this operation (e.g. `UpdateDetector`) with AccessDeniedException until `allow`. */
  deny(operation: string): void;
  allow(operation: string): void;
  close(): Promise<void>;
}

/** moto's default account: the one every request with the test credentials belongs to. */
export const MOTO_ACCOUNT = '123456789012';

const ARN = /^arn:(aws|aws-cn|aws-us-gov):guardduty:([a-z0-9-]+):(\d{12}):detector\/([A-Za-z0-9]+)$/;

interface TagOverlay {
  readonly set: Map<string, string>;
  readonly removed: Set<string>;
}

function scopeOf(request: IncomingMessage): { service: string; region: string } {
  const auth = request.headers.authorization ?? '';
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  return { region: match?.[1] ?? 'unknown', service: match?.[2] ?? 'unknown' };
}

function operationOf(method: string, path: string): string {
  if (path.startsWith('/tags/')) {
    return method === 'POST' ? 'TagResource' : method === 'DELETE' ? 'UntagResource' : 'ListTagsForResource';
  }
  if (/^\/detector\/?$/.test(path)) return method === 'POST' ? 'CreateDetector' : 'ListDetectors';
  if (/^\/detector\/[^/]+$/.test(path)) {
    return method === 'GET' ? 'GetDetector' : method === 'POST' ? 'UpdateDetector' : 'DeleteDetector';
  }
  return `${method} ${path}`;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

export async function startGuardDutyTagShim(motoEndpoint: string): Promise<GuardDutyTagShim> {
  const overlays = new Map<string, TagOverlay>(); // by detector id
  const denied = new Set<string>();
  const requests: RecordedRequest[] = [];

  const forward = async (request: IncomingMessage, body: Buffer) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length'].includes(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    return fetch(`${motoEndpoint}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers,
      ...(body.length && request.method !== 'GET' && request.method !== 'HEAD' ? { body } : {}),
    });
  };

  const relay = async (response: ServerResponse, upstream: Response, text?: string) => {
    const headers: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection'].includes(name))
        headers[name] = value;
    });
    response.writeHead(upstream.status, headers);
    response.end(text ?? Buffer.from(await upstream.arrayBuffer()));
  };

  const tagsOf = (detectorId: string, base: Record<string, string>) => {
    const overlay = overlays.get(detectorId);
    if (overlay === undefined) return base;
    const merged = Object.fromEntries(Object.entries(base).filter(([key]) => !overlay.removed.has(key)));
    for (const [key, value] of overlay.set) merged[key] = value;
    return merged;
  };

  /** The detector id an ARN names, after the checks AWS makes; undefined (and an error sent) otherwise. */
  const resolveArn = async (
    request: IncomingMessage,
    response: ServerResponse,
    arn: string,
    region: string,
  ): Promise<{ detectorId: string; base: Record<string, string> } | undefined> => {
    const match = ARN.exec(arn);
    const [, partition, arnRegion, account, detectorId] = match ?? [];
    const reject = (message: string) => {
      sendJson(response, 400, { message, __type: 'InvalidInputException' }, 'BadRequestException');
      return undefined;
    };
    if (!match || !detectorId)
      return reject(`The request is rejected because the resource ARN ${arn} is invalid.`);
    if (partition !== partitionOf(region) || arnRegion !== region || account !== MOTO_ACCOUNT) {
      return reject(
        'The request is rejected because the input detectorId is not owned by the current account.',
      );
    }
    const get = await fetch(`${motoEndpoint}/detector/${detectorId}`, {
      headers: { authorization: request.headers.authorization ?? '' },
    });
    if (get.status !== 200) {
      return reject(
        'The request is rejected because the input detectorId is not owned by the current account.',
      );
    }
    const detector = (await get.json()) as { tags?: Record<string, string> };
    return { detectorId, base: detector.tags ?? {} };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const { service, region } = scopeOf(request);
      const url = new URL(request.url ?? '/', 'http://shim');
      if (service !== 'guardduty') return relay(response, await forward(request, body));

      const method = request.method ?? 'GET';
      const operation = operationOf(method, url.pathname);
      const text = body.toString('utf8');
      requests.push({
        operation,
        region,
        method,
        path: decodeURIComponent(url.pathname),
        body: text ? JSON.parse(text) : undefined,
      });
      if (denied.has(operation)) {
        return sendJson(
          response,
          403,
          { message: `User is not authorized to perform: guardduty:${operation}` },
          'AccessDeniedException',
        );
      }

      if (url.pathname.startsWith('/tags/')) {
        const arn = decodeURIComponent(url.pathname.slice('/tags/'.length));
        const resolved = await resolveArn(request, response, arn, region);
        if (resolved === undefined) return;
        const overlay = overlays.get(resolved.detectorId) ?? { set: new Map(), removed: new Set() };
        overlays.set(resolved.detectorId, overlay);
        if (operation === 'TagResource') {
          const tags = (JSON.parse(text || '{}') as { tags?: Record<string, string> }).tags ?? {};
          for (const [key, value] of Object.entries(tags)) {
            overlay.set.set(key, value);
            overlay.removed.delete(key);
          }
          return sendJson(response, 204, undefined);
        }
        if (operation === 'UntagResource') {
          for (const key of url.searchParams.getAll('tagKeys')) {
            overlay.set.delete(key);
            overlay.removed.add(key);
          }
          return sendJson(response, 204, undefined);
        }
        return sendJson(response, 200, { tags: tagsOf(resolved.detectorId, resolved.base) });
      }

      const upstream = await forward(request, body);
      if (operation === 'GetDetector' && upstream.status === 200) {
        const detector = (await upstream.json()) as { tags?: Record<string, string> };
        const detectorId = url.pathname.split('/')[2] ?? '';
        detector.tags = tagsOf(detectorId, detector.tags ?? {});
        return sendJson(response, 200, detector);
      }
      return relay(response, upstream);
    })().catch((error: unknown) => {
      sendJson(response, 500, { message: String(error) }, 'InternalServerErrorException');
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    deny: (operation) => denied.add(operation),
    allow: (operation) => denied.delete(operation),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
