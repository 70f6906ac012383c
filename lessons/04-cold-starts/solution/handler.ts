// The hot path stays light: the PDF renderer is loaded lazily, on the first invoice an environment
// serves, and keep-warm pings return before doing any work.
import { putObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

interface PingEvent {
  source: 'keep-warm';
}

interface PdfRenderer {
  render(orderId: string): string;
}

function loadPdfRenderer(): PdfRenderer {
  work(500);
  return {
    render(orderId) {
      work(60);
      return `%PDF-1.7 … invoice for ${orderId} …`;
    },
  };
}

let pdf: PdfRenderer | undefined; // loaded on first use, then reused by this environment

export const handler: Handler<APIGatewayProxyEventV2 | PingEvent> = async (event) => {
  if ((event as PingEvent).source === 'keep-warm') return; // the ping only needs a warm environment

  const http = event as APIGatewayProxyEventV2;
  const order = JSON.parse(http.body ?? '{}') as { orderId: string };

  if (http.rawPath === '/invoices') {
    pdf ??= loadPdfRenderer();
    await putObject('invoices', `${order.orderId}.pdf`, pdf.render(order.orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: `${order.orderId}.pdf` }) };
  }

  work(80); // price the cart, reserve stock, take the payment
  return { statusCode: 200, body: JSON.stringify({ orderId: order.orderId, status: 'confirmed' }) };
};
