// Loads the PDF renderer only for invoices — but loads it again for every invoice.
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

export const handler: Handler<APIGatewayProxyEventV2 | PingEvent> = async (event) => {
  if ((event as PingEvent).source === 'keep-warm') return;
  const http = event as APIGatewayProxyEventV2;
  const order = JSON.parse(http.body ?? '{}') as { orderId: string };
  if (http.rawPath === '/invoices') {
    const pdf = loadPdfRenderer();
    await putObject('invoices', `${order.orderId}.pdf`, pdf.render(order.orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: `${order.orderId}.pdf` }) };
  }
  work(80);
  return { statusCode: 200, body: JSON.stringify({ orderId: order.orderId, status: 'confirmed' }) };
};
