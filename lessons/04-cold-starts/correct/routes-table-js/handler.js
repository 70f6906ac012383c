// A route table in plain JavaScript; the renderer is a promise created on the first invoice, so
// concurrent invoices on one environment (there are none in Lambda, but it costs nothing) share it.
import { putObject, work } from 'serverless-lab';

let rendererReady = null;
function renderer() {
  if (rendererReady === null) {
    rendererReady = Promise.resolve().then(() => {
      work(500); // the PDF library's load
      return (id) => {
        work(60);
        return '%PDF-1.7 invoice ' + id;
      };
    });
  }
  return rendererReady;
}

const routes = {
  'POST /checkout': async (order) => {
    work(80);
    return { statusCode: 200, body: JSON.stringify({ orderId: order.orderId, status: 'confirmed' }) };
  },
  'POST /invoices': async (order) => {
    const render = await renderer();
    await putObject('invoices', `${order.orderId}.pdf`, render(order.orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: `${order.orderId}.pdf` }) };
  },
};

export async function handler(event) {
  if (event && event.source === 'keep-warm') return { warm: true };
  const route = routes[event.routeKey] ?? routes[`${event.requestContext.http.method} ${event.rawPath}`];
  if (!route) return { statusCode: 404, body: 'no route' };
  return route(event.body ? JSON.parse(event.body) : {});
}
