// Reads the name from the raw path itself and does no modelled work: invocations of a few ms,
// which one or two environments serve even in the burst.
exports.handler = async (event) => {
  const parts = event.rawPath.split('/').filter(Boolean);
  const name = parts[1];
  if (!name) return { statusCode: 400, body: JSON.stringify({ error: 'name required' }) };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `Hello, ${decodeURIComponent(name)}!` }) };
};
