// Pings are handled — but the PDF renderer is still loaded at the top level, for every environment.
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

const pdf = loadPdfRenderer();

export const handler: Handler<APIGatewayProxyEventV2 | PingEvent> = async (event) => {
  if ((event as PingEvent).source === 'keep-warm') return;
  const http = event as APIGatewayProxyEventV2;
  const order = JSON.parse(http.body ?? '{}') as { orderId: string };
  if (http.rawPath === '/invoices') {
    await putObject('invoices', `${order.orderId}.pdf`, pdf.render(order.orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: `${order.orderId}.pdf` }) };
  }
  work(80);
  return { statusCode: 200, body: JSON.stringify({ orderId: order.orderId, status: 'confirmed' }) };
};
