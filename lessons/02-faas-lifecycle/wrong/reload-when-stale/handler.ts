// "Fresh" model: loaded at init, then loaded again whenever the copy is older than 5 seconds.
import { getObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

interface Model { version: string; positive: string[]; negative: string[] }

async function loadModel(): Promise<{ model: Model; at: number }> {
  const raw = await getObject('models', 'sentiment-v3.json');
  if (raw === undefined) throw new Error('model not found: s3://models/sentiment-v3.json');
  work(300);
  return { model: JSON.parse(raw) as Model, at: Date.now() };
}

let loaded = loadModel();

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  let { model, at } = await loaded;
  if (Date.now() - at > 5_000) {
    loaded = loadModel();
    ({ model, at } = await loaded);
  }
  const { text } = JSON.parse(event.body ?? '{}') as { text?: string };
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  work(10);
  const words = text.toLowerCase().split(/\W+/);
  const score = words.filter((w) => model.positive.includes(w)).length - words.filter((w) => model.negative.includes(w)).length;
  return { statusCode: 200, body: JSON.stringify({ label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral', model: model.version }) };
};
