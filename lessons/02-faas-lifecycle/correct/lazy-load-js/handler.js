// Lazy: the first invocation of an environment loads the model, later ones reuse it.
const { getObject, work } = require('serverless-lab');

let model = null;

async function getModel() {
  if (model) return model;
  const raw = await getObject('models', 'sentiment-v3.json');
  if (raw === undefined) throw new Error('model not found: s3://models/sentiment-v3.json');
  work(300);
  model = JSON.parse(raw);
  return model;
}

function classify(m, text) {
  work(10);
  const words = text.toLowerCase().split(/\W+/);
  let score = 0;
  for (const w of words) {
    if (m.positive.includes(w)) score++;
    if (m.negative.includes(w)) score--;
  }
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
}

exports.handler = async function (event) {
  const m = await getModel();
  const body = event.body ? JSON.parse(event.body) : {};
  if (typeof body.text !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'text is required' }) };
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ label: classify(m, body.text), model: m.version }) };
};
