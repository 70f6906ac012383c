// A review classifier behind POST /classify. It works — but every
// request pays for loading the model again. Make the expensive part run
// once per execution environment instead.
import { getObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

interface Model {
  version: string;
  positive: string[];
  negative: string[];
}

/**
 * Download and parse the model: about 300 ms (a 40 MB file from S3,
 * then JSON.parse).
 */
async function loadModel(): Promise<Model> {
  const raw = await getObject('models', 'sentiment-v3.json');
  if (raw === undefined) throw new Error('model not found: s3://models/sentiment-v3.json');
  work(300);
  return JSON.parse(raw) as Model;
}

/** Score a review: about 10 ms. */
function classify(model: Model, text: string): 'positive' | 'negative' | 'neutral' {
  work(10);
  const words = text.toLowerCase().split(/\W+/);
  const score = words.filter((w) => model.positive.includes(w)).length - words.filter((w) => model.negative.includes(w)).length;
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
}

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  // TODO: this runs on EVERY invocation. Code at the module's top level
  // runs once per execution environment (the init phase of a cold
  // start) and its results stay in memory for every later invocation
  // that environment serves. Move the model loading there. (A module
  // cannot `await` at its top level: start the load there,
  // `const modelLoading = loadModel();`, and `await modelLoading`
  // here.)
  const model = await loadModel();

  const { text } = JSON.parse(event.body ?? '{}') as { text?: string };
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  return { statusCode: 200, body: JSON.stringify({ label: classify(model, text), model: model.version }) };
};
