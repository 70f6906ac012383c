// A small holder object kept at module scope: it starts loading at init and hands out the same
// model to every invocation of this environment.
import { getObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

type Label = 'positive' | 'negative' | 'neutral';

class SentimentModel {
  private constructor(readonly version: string, private readonly positive: Set<string>, private readonly negative: Set<string>) {}

  static async load(): Promise<SentimentModel> {
    const raw = await getObject('models', 'sentiment-v3.json');
    if (raw === undefined) throw new Error('model not found: s3://models/sentiment-v3.json');
    work(300);
    const m = JSON.parse(raw) as { version: string; positive: string[]; negative: string[] };
    return new SentimentModel(m.version, new Set(m.positive), new Set(m.negative));
  }

  label(text: string): Label {
    work(10);
    let score = 0;
    for (const w of text.toLowerCase().split(/\W+/)) score += (this.positive.has(w) ? 1 : 0) - (this.negative.has(w) ? 1 : 0);
    return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
  }
}

const holder = { model: SentimentModel.load() };

export const handler: Handler<APIGatewayProxyEventV2> = async ({ body }) => {
  const model = await holder.model;
  let text: unknown;
  try {
    text = JSON.parse(body ?? '{}').text;
  } catch {
    return { statusCode: 400, body: JSON.stringify({ message: 'body must be JSON' }) };
  }
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  return { statusCode: 200, body: JSON.stringify({ model: model.version, label: model.label(text) }) };
};
