#!/usr/bin/env node
// Launcher for `npx guardduty-drift`: registers tsx's loader in this process, then runs the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('./guardduty-drift.ts');
