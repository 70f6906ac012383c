// Lazy PDF loading — but the keep-warm ping is treated like an HTTP request.
import { putObject, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

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

let pdf: PdfRenderer | undefined;

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const order = JSON.parse(event.body as string) as { orderId: string };
  if (event.rawPath === '/invoices') {
    pdf ??= loadPdfRenderer();
    await putObject('invoices', `${order.orderId}.pdf`, pdf.render(order.orderId));
    return { statusCode: 200, body: JSON.stringify({ invoice: `${order.orderId}.pdf` }) };
  }
  work(80);
  return { statusCode: 200, body: JSON.stringify({ orderId: order.orderId, status: 'confirmed' }) };
};
