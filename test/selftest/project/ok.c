/* selftest.sh appends an #error here to break the build on purpose. */
int main(void)
{
	return 0;
}
