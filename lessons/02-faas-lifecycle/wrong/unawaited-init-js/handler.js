// The load starts at init, but the handler does not wait for it: the first invocation of every
// environment finds no model yet.
import { getObject, work } from 'serverless-lab';

let model;
getObject('models', 'sentiment-v3.json').then((raw) => {
  work(300);
  model = JSON.parse(raw);
});

export const handler = async (event) => {
  const { text } = JSON.parse(event.body || '{}');
  if (typeof text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  work(10);
  const words = text.toLowerCase().split(/\W+/);
  const score = words.filter((w) => model.positive.includes(w)).length - words.filter((w) => model.negative.includes(w)).length;
  const label = score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
  return { statusCode: 200, body: JSON.stringify({ label, model: model.version }) };
};
