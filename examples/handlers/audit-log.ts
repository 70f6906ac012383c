// Consumer 3 of the fan-out (TypeScript): raw delivery is off, so each body is the SNS envelope and
// the S3 event is inside `Message`. Reports partial batch failures instead of failing the batch.
interface SqsRecord {
  messageId: string;
  body: string;
}

let seen = 0; // per execution environment

export function handler(event: { Records: SqsRecord[] }): { batchItemFailures: Array<{ itemIdentifier: string }> } {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    try {
      const envelope = JSON.parse(record.body) as { Type: string; Message: string };
      const s3 = JSON.parse(envelope.Message).Records[0].s3 as { object: { key: string } };
      seen++;
      console.log(`audit #${seen}: ${s3.object.key} uploaded`);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
