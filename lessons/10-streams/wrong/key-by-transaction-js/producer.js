// JavaScript: keys each record by its transaction id ("unique keys spread the load").
import { produce } from 'serverless-lab';

export const handler = async (tx) => {
  await produce('wallet-events', tx, { key: tx.txId });
};
