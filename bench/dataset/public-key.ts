/**
 * One fixed RSA public key for every generated user and client: supplying a key keeps the servers from
 * generating a key pair per actor (seconds of CPU for a thousand users) and keeps the dataset deterministic.
 * Nobody holds the private half; the benchmark never signs as these actors.
 */
export const BENCH_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7de75E03AK5eIhx7bEPA
pqsbayc1EOcha4hteywJpAsnIxVsIQz+1FwO+inapVB1kdSqNlbdBj4DvZNS2s11
psGzHZz+DSIMEKzCcRBJdKXRE8mMdARW1SObEEC1UwsOzNjZRXV8PYatUJyvLuC5
B2TaGmUVMIjx/9nqRwf9QxsfVsaZXNw7FgqdB2T2vQArza0OCJHTqbD0d+O7qshT
OlfDvw8Pz2SFRZ/3U1DD5zrlT0rxjSErkO6gxQUG76ekJxJ6QDgAl5V91WFGYzaH
eogfCtF6vyiYJKQzptcfEvUmRmYgCsvlHCyyTd2An6mr9siju6KY9etUc62e4zlx
mQIDAQAB
-----END PUBLIC KEY-----
`;
