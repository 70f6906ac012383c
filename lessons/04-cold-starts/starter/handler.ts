// The shop's function: POST /checkout (the hot path: during a flash
// sale it must answer fast) and POST /invoices (rare: accounting asks
// for a PDF now and then).
//
// Two things make it slow and expensive:
//  1. the PDF renderer is loaded at the top level, so EVERY cold start
//     pays 500 ms for it, even the environments that only ever run
//     checkouts;
//  2. a scheduled keep-warm rule invokes the function every minute with
//     { source: 'keep-warm' } — and the handler treats that ping like
//     an HTTP request.
import { putObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

interface PingEvent {
  source: 'keep-warm';
}

interface PdfRenderer {
  render(orderId: string): string;
}

/**
 * A heavy dependency: importing and initialising the PDF renderer takes
 * 500 ms.
 */
function loadPdfRenderer(): PdfRenderer {
  work(500);
  return {
    render(orderId) {
      work(60);
      return `%PDF-1.7 … invoice for ${orderId} …`;
    },
  };
}

// TODO 1: only /invoices needs this. Load it the first time an invoice
// is requested instead (and keep it in a module-level variable, so each
// environment loads it at most once).
const pdf = loadPdfRenderer();

export const handler: Handler<APIGatewayProxyEventV2 | PingEvent> = async (event) => {
  // TODO 2: a keep-warm ping has no body and needs no work: return at
  //         once.
  const http = event as APIGatewayProxyEventV2;
  const order = JSON.parse(http.body as string) as { orderId: string };

  if (http.rawPath === '/invoices') {
    await putObject('invoices', `${order.orderId}.pdf`, pdf.render(order.orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: `${order.orderId}.pdf` }) };
  }

  work(80); // price the cart, reserve stock, take the payment
  return { statusCode: 200, body: JSON.stringify({ orderId: order.orderId, status: 'confirmed' }) };
};
