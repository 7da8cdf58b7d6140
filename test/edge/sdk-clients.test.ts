/*
 * RESPONDER_SDK_CLIENTS (handlers/clients.ts) is the one list of the SDK clients and commands the function uses: the
 * benchmark's floor bundle is generated from it. These tests build the function's bundle as deployed and fail when
 * it carries a client or a command the list does not name, or the list names one the bundle does not carry.
 */
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedBuildOptions } from '../../bench/bundle.js';
import { RESPONDER_SDK_CLIENTS } from '../../handlers/clients.js';

/** `…/node_modules/@aws-sdk/client-sns/dist-es/commands/PublishCommand.js` → [@aws-sdk/client-sns, Publish]. */
const COMMAND_FILE = /node_modules\/(@aws-sdk\/client-[a-z0-9-]+)\/dist-es\/commands\/(\w+)Command\.js$/;
const CLIENT_PACKAGE = /node_modules\/(@aws-sdk\/client-[a-z0-9-]+)\//;
/** Commands a client sends on its own (DynamoDB's endpoint discovery): part of the client, not calls we make. */
const CLIENT_INTERNAL = new Set(['@aws-sdk/client-dynamodb DescribeEndpoints']);

let inputs: string[];

beforeAll(async () => {
  const result = await build({
    ...deployedBuildOptions('handlers/drift-responder.ts', 'sdk-clients-test.mjs'),
    write: false,
    minify: false,
  });
  const metafile: Metafile | undefined = result.metafile;
  const output = Object.values(metafile?.outputs ?? {})[0];
  // Only what ends up in the output: a file imported but shaken out entirely does not count.
  inputs = Object.entries(output?.inputs ?? {})
    .filter(([, share]) => share.bytesInOutput > 0)
    .map(([path]) => path);
}, 60_000);

describe('RESPONDER_SDK_CLIENTS', () => {
  it('names every @aws-sdk/client-* package the bundle carries, and no other', () => {
    const carried = new Set(inputs.flatMap((path) => CLIENT_PACKAGE.exec(path)?.[1] ?? []));
    expect([...carried].sort()).toEqual(RESPONDER_SDK_CLIENTS.map((sdk) => sdk.package).sort());
  });

  it('names every command the bundle carries, per client, and no other', () => {
    const carried = new Map<string, string[]>();
    for (const path of inputs) {
      const match = COMMAND_FILE.exec(path);
      if (match?.[1] && match[2] && !CLIENT_INTERNAL.has(`${match[1]} ${match[2]}`))
        carried.set(match[1], [...(carried.get(match[1]) ?? []), match[2]]);
    }
    for (const sdk of RESPONDER_SDK_CLIENTS) {
      expect((carried.get(sdk.package) ?? []).sort(), sdk.package).toEqual([...sdk.commands].sort());
    }
  });

  it('builds the cold-start clients in createClients, and only those', async () => {
    const { createClients } = await import('../../handlers/clients.js');
    const built = Object.values(createClients()).map((client) => client.constructor.name);
    const declared = RESPONDER_SDK_CLIENTS.filter((sdk) => sdk.load === 'cold-start').map(
      (sdk) => sdk.client,
    );
    expect(built.sort()).toEqual([...declared].sort());
  });
});
