using Bsfg.Certs;

return CertificateTool.Run(args, Console.Out, Console.Error);
