-- The peer: moto's EC2 ImportKeyPair / CreateKeyPair, as form POSTs.
-- Arguments: import TAG POOL_FILE | generate TAG
-- The pool file holds PublicKeyMaterial values, already base64- and
-- URL-encoded. moto routes on the credential scope naming ec2 and does not
-- check the signature.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local mode, tag, pool = nil, nil, nil
function init(args)
  mode, tag = args[1], args[2]
  if mode == "import" then pool = lines_of(args[3]) end
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/ec2/aws4_request, "
    .. "SignedHeaders=host, Signature=0"
end

function request()
  local name = unique_name(tag)
  local body
  if pool then
    body = "Action=ImportKeyPair&Version=2016-11-15&KeyName=" .. name
      .. "&PublicKeyMaterial=" .. pool[n % #pool + 1]
  else
    body = "Action=CreateKeyPair&Version=2016-11-15&KeyType=ed25519&KeyName=" .. name
  end
  return wrk.format("POST", "/", nil, body)
end

function response(status, headers, body) check(status, 200, body) end
