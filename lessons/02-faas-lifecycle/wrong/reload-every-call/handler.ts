// Declares the model at the top level... then reloads it in the handler "to be sure it is fresh".
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

let modelLoading: Promise<Model> = loadModel();

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  modelLoading = loadModel(); // pick up a new model version if there is one
  const model = await modelLoading;
  const { text } = JSON.parse(event.body ?? '{}') as { text?: string };
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  return { statusCode: 200, body: JSON.stringify({ label: classify(model, text), model: model.version }) };
};
