#!/usr/bin/env ruby
# frozen_string_literal: true

# Verifies one signed Chef request with the real mixlib-authentication gem, so the TypeScript signer is checked
# against the reference implementation instead of against itself.
#
# stdin:  {"method", "path", "body", "headers": {name: value}, "public_key_pem", "time_skew"?: seconds}
# stdout: {"ok": true} or {"ok": false, "error": "..."}; the exit status is non-zero only for unusable input.

require 'json'
require 'openssl'
require 'mixlib/authentication/signatureverification'

# The gem reads a Rack-like request: the method, the path as received (Rack leaves it percent-encoded), headers as
# CGI variables, the raw body, and params (which it searches for multipart file uploads to hash instead of the body).
FakeRequest = Struct.new(:method, :path, :env, :params, :raw_post)

input = JSON.parse($stdin.read)
env = input.fetch('headers').to_h { |name, value| ["HTTP_#{name.upcase.tr('-', '_')}", value.to_s] }
# Host is a mandatory header for the gem although it is never signed.
env['HTTP_HOST'] ||= '127.0.0.1'
# Rack's request.path carries no query string, and the query is not signed.
path = input.fetch('path').split('?', 2).first
request = FakeRequest.new(input.fetch('method'), path, env, {}, input.fetch('body', ''))
public_key = OpenSSL::PKey::RSA.new(input.fetch('public_key_pem'))

begin
  verifier = Mixlib::Authentication::SignatureVerification.new(request)
  if verifier.authenticate_request(public_key, input.fetch('time_skew', 15 * 60))
    puts JSON.generate(ok: true)
  else
    failed = { signature: verifier.valid_signature?, timestamp: verifier.valid_timestamp?,
               content_hash: verifier.valid_content_hash? }.reject { |_, valid| valid }.keys
    puts JSON.generate(ok: false, error: "invalid #{failed.join(', ')}")
  end
rescue Mixlib::Authentication::AuthenticationError => e
  puts JSON.generate(ok: false, error: "#{e.class}: #{e.message}")
end
