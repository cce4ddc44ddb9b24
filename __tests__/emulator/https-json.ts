// A raw HTTPS call to the emulator for tests that check the wire itself (status, headers, body)
// rather than what an SDK makes of it. The body is parsed as JSON when it is JSON.
import { request } from 'node:https'

export interface HttpsReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON, the text when it is not JSON, undefined when empty. */
  body: unknown
}

export function httpsJson(method: string, url: string, ca: string, headers: Record<string, string> = {}, body?: string): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed: unknown = text === '' ? undefined : text
        try {
          if (text !== '') parsed = JSON.parse(text)
        } catch {
          /* keep the text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
      })
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}
