// Renders the greeting in every language on every request, "in case the visitor wants another one".
import { work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

const LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'pt', 'nl', 'sv', 'no', 'da', 'fi', 'pl', 'cs', 'hu', 'ro', 'el', 'tr', 'ru', 'uk', 'ja', 'ko', 'zh', 'hi', 'ar', 'he'];

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const name = event.pathParameters?.name;
  if (!name) return { statusCode: 400, body: 'whom should I greet? try /hello/Ada' };
  const greetings: Record<string, string> = {};
  for (const lang of LANGUAGES) {
    work(20); // building one greeting
    greetings[lang] = `[${lang}] Hello, ${name}!`;
  }
  return { statusCode: 200, body: greetings.en };
};
