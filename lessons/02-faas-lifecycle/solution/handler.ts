// The model is loaded once per execution environment, in the init phase (module top level), and
// reused by every invocation that environment serves while it stays warm.
import { getObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

interface Model {
  version: string;
  positive: string[];
  negative: string[];
}

async function loadModel(): Promise<Model> {
  const raw = await getObject('models', 'sentiment-v3.json');
  if (raw === undefined) throw new Error('model not found: s3://models/sentiment-v3.json');
  work(300);
  return JSON.parse(raw) as Model;
}

function classify(model: Model, text: string): 'positive' | 'negative' | 'neutral' {
  work(10);
  const words = text.toLowerCase().split(/\W+/);
  const score = words.filter((w) => model.positive.includes(w)).length - words.filter((w) => model.negative.includes(w)).length;
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
}

// Init phase: runs once, when the platform creates this environment. A handler module cannot
// await at its top level, so the load starts here and the handler awaits its promise: the first
// invocation of the environment waits for it, every later one finds it settled.
const modelLoading = loadModel();

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const model = await modelLoading;
  const { text } = JSON.parse(event.body ?? '{}') as { text?: string };
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  return { statusCode: 200, body: JSON.stringify({ label: classify(model, text), model: model.version }) };
};
