// Lazy, but in the wrong place: the renderer is loaded on the first request an environment serves,
// whatever that request is — so the first checkout on every new environment pays for it.
import { putObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

type PingEvent = { source: 'keep-warm' };

function loadPdfRenderer() {
  work(500);
  return { render: (orderId: string) => (work(60), `%PDF-1.7 invoice ${orderId}`) };
}

let renderer: ReturnType<typeof loadPdfRenderer> | null = null;

export const handler: Handler<APIGatewayProxyEventV2 | PingEvent> = async (event) => {
  if ('source' in event && event.source === 'keep-warm') return;
  if (!renderer) renderer = loadPdfRenderer();

  const http = event as APIGatewayProxyEventV2;
  const { orderId } = JSON.parse(http.body || '{}');
  if (http.rawPath.endsWith('/invoices')) {
    await putObject('invoices', orderId + '.pdf', renderer.render(orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: orderId + '.pdf' }) };
  }
  work(80);
  return { statusCode: 200, body: JSON.stringify({ orderId, status: 'confirmed' }) };
};
