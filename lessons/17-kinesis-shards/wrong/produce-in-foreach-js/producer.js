// Puts the clicks with forEach and an async callback ("each put is awaited, inside"): forEach does
// not wait for the callbacks' promises, so the handler returns while all 20 puts are in flight. The
// environment freezes with them, and they go on only while a later invocation keeps it busy.
import { produce } from 'serverless-lab';

export const handler = async ({ clicks }) => {
  clicks.forEach(async (click) => {
    await produce('clickstream', JSON.stringify(click), { key: click.sessionId });
  });
};
